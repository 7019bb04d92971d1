// Model identity (engine): a model is known by the SHA-256 of its file, so a renamed copy is the same model.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';

export interface ModelIdentity {
  sha256: string;
  name: string;
}

export async function identifyModel(modelPath: string): Promise<ModelIdentity> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(modelPath)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), name: path.basename(modelPath) };
}
