// Keywords inside the photo (engine process, opt-in): verified copy with exiftool, same pixels, then rename.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, chown, realpath, rm, stat, utimes } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { readKeywordFields } from './keyword-fields.js';
import { planMerge } from './merge-keywords.js';
import {
  cleanFolderOnce,
  dryRunResult,
  exiftoolTags,
  type FileJob,
  isReadOnly,
  publish,
  skipped,
  tempPathFor,
  unchanged,
  type WriteResult,
} from './publish-write.js';

/**
 * Formats whose metadata exiftool rewrites without touching the image data; IPTC-IIM only where it is
 * standard. HEIC: exiftool rewrites the XMP item and the item locations, never the coded image items, and
 * the pixel check (libheif in the worker) proves it for every file. Camera RAW is absent on purpose: its
 * maker notes and offsets are too precious to rewrite, so RAW files always get a sidecar.
 */
const EMBED_FORMATS: Readonly<Record<string, { iptc: boolean }>> = {
  jpeg: { iptc: true },
  tiff: { iptc: true },
  png: { iptc: false },
  webp: { iptc: false },
  heic: { iptc: false },
};

const FORMAT_BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  tif: 'tiff',
  tiff: 'tiff',
  png: 'png',
  webp: 'webp',
  heic: 'heic',
  heif: 'heic',
  hif: 'heic',
};

/**
 * IPTC text has no fixed encoding: readers go by IPTC:CodedCharacterSet. Skiptag writes UTF-8 (keywords
 * like 狗 do not fit Latin-1), and re-copies the file's other IPTC fields so exiftool converts them to
 * UTF-8 along with the marker instead of leaving Latin-1 bytes under a UTF-8 label.
 */
const IPTC_UTF8_ARGS = ['-tagsFromFile', '@', '-IPTC:all', '--IPTC:Keywords', '--IPTC:CodedCharacterSet'];

/**
 * Only for a photo the library classified (status ok) and that has not changed since: the keywords
 * describe that content. exiftool writes a changed copy beside the photo; the copy must decode to the
 * very same pixels; it gets the photo's permissions, owner and times and then replaces it by rename,
 * together with the library's record of the new file (so the next scan does not classify it again).
 */
export async function writeEmbedded(job: FileJob): Promise<WriteResult> {
  if (job.image.status !== 'ok') return skipped(job, `status ${job.image.status}: skipped`);
  const format = job.image.format ?? FORMAT_BY_EXTENSION[extname(job.photo).slice(1).toLowerCase()];
  const support = format === undefined ? undefined : EMBED_FORMATS[format];
  if (support === undefined) return skipped(job, `cannot embed keywords in ${format ?? 'this'} format`);
  // The rename must replace the file itself: replacing a symbolic link would turn it into a copy.
  const photo = await realpath(job.photo).catch(() => null);
  const before = photo === null ? null : await stat(photo, { bigint: true }).catch(() => null);
  if (photo === null || before === null) return skipped(job, 'missing');
  if (!before.isFile()) return skipped(job, 'not a regular file');
  // A photo reached through a link is written where the link points only inside the folders the user gave.
  if (!(await job.scope.allows(job.image, photo))) {
    return skipped(
      job,
      `it leads (through a symbolic link) to ${photo}, outside the library's folders: skipped`,
    );
  }
  if (await isReadOnly(photo, Number(before.mode))) return skipped(job, 'read-only: skipped');
  // A rename would split hard links: the other names would keep the old file.
  if (before.nlink > 1n) return skipped(job, 'the file has other hard links: skipped');
  if (Number(before.size) !== job.image.size || Number(before.mtimeNs) / 1e6 !== job.image.mtimeMs) {
    return skipped(job, 'changed since it was tagged: run skiptag tag first');
  }

  const fields = await readKeywordFields(job.exiftool, photo);
  const plan = planMerge(fields, job.selection, job.previous, support.iptc);
  if (plan.changedFields.length === 0) return unchanged(job, 'embedded', plan, job.photo);
  if (job.dryRun) return dryRunResult(job, plan, job.photo);

  await cleanFolderOnce(job, dirname(photo));
  const temp = tempPathFor(photo);
  try {
    const tags: Record<string, unknown> = { ...exiftoolTags(plan) };
    const writeArgs = ['-o', temp];
    if (plan.changedFields.includes('iptc')) {
      tags['IPTC:CodedCharacterSet'] = 'UTF8';
      writeArgs.unshift(...IPTC_UTF8_ARGS);
    }
    await job.exiftool.write(photo, tags, { writeArgs });
    if ((await job.pixelHash(temp)) !== (await job.pixelHash(photo))) {
      throw new Error('the rewritten photo does not decode to the same pixels; left unchanged');
    }
    await chmod(temp, Number(before.mode) & 0o7777);
    // Only root can give a file away; for everyone else the copy is theirs already.
    await chown(temp, Number(before.uid), Number(before.gid)).catch(() => undefined);
    // Seconds as a double keep microseconds; the library records what the file then really has.
    await utimes(temp, Number(before.atimeNs) / 1e9, Number(before.mtimeNs) / 1e9);
    const after = await stat(temp, { bigint: true });
    // Someone may have edited the photo meanwhile: their version wins, this write is dropped.
    const now = await stat(photo, { bigint: true });
    if (now.ino !== before.ino || now.size !== before.size || now.mtimeNs !== before.mtimeNs) {
      throw new Error('the photo changed while its keywords were being written; left as it is');
    }
    const result = await publish(job, 'embedded', plan, temp, photo, {
      size: Number(after.size),
      mtimeMs: Number(after.mtimeNs) / 1e6,
      devIno: `${after.dev}:${after.ino}`,
      sha256: await fileSha256(temp),
    });
    return { ...result, file: job.photo };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
