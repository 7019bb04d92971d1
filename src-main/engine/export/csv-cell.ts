// CSV formula-injection guard (engine process): neutralises cells that spreadsheets would run as formulas.

/**
 * Characters that make Excel, LibreOffice, Google Sheets or Numbers treat a cell as a formula (OWASP
 * "CSV Injection"): = + - @ tab CR, plus the full-width = + - @ that Numbers normalises to ASCII.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** True when a spreadsheet could interpret `cell` as a formula. */
export function isFormulaLike(cell: string): boolean {
  return cell.length > 0 && FORMULA_TRIGGERS.has(cell.charAt(0));
}

/**
 * Prefixes a formula-like cell with a single quote, which spreadsheets show as plain text. Applied to
 * every cell, including paths and error messages, because file names are attacker-controlled.
 */
export function neutraliseCsvCell(cell: string): string {
  return isFormulaLike(cell) ? `'${cell}` : cell;
}
