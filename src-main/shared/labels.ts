// Class label records shared by the engine, exporters and the app.

/** One class of a classifier's label set, in output-index order. */
export interface ClassLabel {
  /** WordNet id (nXXXXXXXX) or '' for label sets without one. */
  wnid: string;
  /** Readable name, e.g. "tabby". */
  name: string;
}
