// Which model's embeddings a similarity or learning command uses (CLI): the one named, or the one most photos have.

import type { Library } from '../engine/library/library.js';
import { identifyModel, locateModel } from '../engine/models/locate-model.js';
import { FatalError } from './cli-io.js';

export interface EmbeddingSource {
  modelId: number;
  name: string;
}

/**
 * `--model` picks the model; without it, the model most photos have embeddings from (a library is
 * usually tagged with one model). Fails with what to do when no photo has an embedding yet.
 */
export async function embeddingSource(
  library: Library,
  model: string | undefined,
  modelsDir: string,
): Promise<EmbeddingSource> {
  const known = library.embeddings.models();
  if (model !== undefined) {
    const file = await locateModel(model, modelsDir).catch((error: unknown) => {
      throw new FatalError((error as Error).message);
    });
    const identity = await identifyModel(file).catch((error: unknown) => {
      throw new FatalError(`cannot read model ${file}: ${(error as Error).message}`);
    });
    const id = library.findModel(identity.sha256);
    const found = known.find((k) => k.modelId === id);
    if (!found) {
      throw new FatalError(
        `no photo in the library has an embedding from ${identity.name}: run "skiptag tag" with it first`,
      );
    }
    return { modelId: found.modelId, name: found.name };
  }
  const first = known[0];
  if (!first) {
    throw new FatalError(
      'no photo in the library has an embedding yet: run "skiptag tag FOLDER" (a model without a final ' +
        'linear layer gives none; "skiptag doctor" says which)',
    );
  }
  return { modelId: first.modelId, name: first.name };
}
