// Output channels of the CLI: results to stdout, everything for people (progress, notes, errors) to stderr.

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  errStream: NodeJS.WriteStream;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  errStream: process.stderr,
};
