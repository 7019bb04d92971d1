// Keywords into an XMP sidecar (engine process): where it lives (`photo.jpg.xmp` or `photo.xmp`); created or merged, never touching the photo.

import { chmod, readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { emptyFields, NotXmpError, readSidecarFields } from './keyword-fields.js';
import { planMerge } from './merge-keywords.js';
import { pairKeyOf } from '../library/pairs.js';
import { classifyExtension } from '../scan/name-rules.js';
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
import { sidecarState } from './write-scope.js';

/**
 * Merges the selection into the sidecar: other tools' keywords and all other metadata in it stay.
 * exiftool writes a temp sidecar (a copy of the existing one with our changes, or a new one), which then
 * replaces the sidecar by rename, so readers never see half a file.
 */
export async function writeSidecar(job: FileJob, naming: SidecarNaming): Promise<WriteResult> {
  if (job.image.status === 'missing') return skipped(job, 'missing');
  try {
    await stat(job.photo);
  } catch {
    return skipped(job, 'missing');
  }
  const sidecar = sidecarPath(job.photo, naming);
  if (naming === 'replace') {
    const role = pairKeyOf(Buffer.from(job.photo))?.role;
    const partners = await sharedSidecarPartners(job.photo);
    // RAW+JPEG: `IMG_0001.xmp` is the RAW's sidecar (Lightroom's convention); the JPEG is the same photo,
    // written with the same tags, so it leaves that file to the RAW.
    const raw = partners.find((p) => pairKeyOf(Buffer.from(p))?.role === 'raw');
    if (role === 'jpeg' && raw !== undefined) {
      return skipped(job, `${sidecar} is the sidecar of ${raw}, the RAW of the same photo`);
    }
    const partner = partners.find((p) => role !== 'raw' || pairKeyOf(Buffer.from(p))?.role !== 'jpeg');
    if (partner !== undefined) {
      return skipped(job, `${sidecar} would also belong to ${partner}: use --xmp-name ext`);
    }
  }
  // A sidecar is only ever a regular XMP file beside the photo, inside the folders the user gave: a link
  // (or a photo) planted in its place is neither written through nor read as this photo's metadata.
  const state = await sidecarState(sidecar);
  if (state.kind === 'refused') return skipped(job, state.reason);
  const folder = await realpath(dirname(sidecar));
  const file = join(folder, basename(sidecar));
  if (!(await job.scope.allows(job.image, file))) {
    return skipped(job, `${sidecar} would be written outside the library's folders (${folder}): skipped`);
  }
  if (state.kind === 'file' && (await isReadOnly(file, state.mode)))
    return skipped(job, 'read-only: skipped');
  let fields;
  try {
    fields = state.kind === 'absent' ? emptyFields() : await readSidecarFields(job.exiftool, file);
  } catch (error) {
    if (error instanceof NotXmpError) return skipped(job, error.message);
    throw error;
  }
  const plan = planMerge(fields, job.selection, job.previous, false);
  if (plan.changedFields.length === 0) return unchanged(job, 'sidecar', plan, sidecar);
  if (job.dryRun) return dryRunResult(job, plan, sidecar);

  await cleanFolderOnce(job, dirname(file));
  const temp = tempPathFor(file);
  try {
    if (state.kind === 'absent') {
      // Writing to a .xmp file that does not exist makes exiftool create one from scratch.
      await job.exiftool.write(temp, exiftoolTags(plan));
    } else {
      // -o: exiftool copies the sidecar with our changes into the temp and leaves the original alone
      // (no `_original` backup either).
      await job.exiftool.write(file, exiftoolTags(plan), { writeArgs: ['-o', temp] });
      await chmod(temp, state.mode & 0o7777);
    }
    return { ...(await publish(job, 'sidecar', plan, temp, file)), file: sidecar };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** ext: `photo.jpg.xmp` (darktable, digiKam); replace: `photo.xmp` (Lightroom, Bridge). */
export type SidecarNaming = 'ext' | 'replace';

export function sidecarPath(photo: string, naming: SidecarNaming): string {
  if (naming === 'ext') return `${photo}.xmp`;
  const extension = extname(photo);
  return `${extension === '' ? photo : photo.slice(0, -extension.length)}.xmp`;
}

/** Both spellings, for reading: a folder may hold sidecars of either kind. */
export function sidecarCandidates(photo: string): string[] {
  return [...new Set([sidecarPath(photo, 'ext'), sidecarPath(photo, 'replace')])];
}

/**
 * With Adobe naming, `photo.jpg` and `photo.png` would share `photo.xmp`, and each write would mix their
 * keywords. Returns the other photos' paths (none: the sidecar is this photo's alone).
 */
async function sharedSidecarPartners(photo: string): Promise<string[]> {
  const dir = dirname(photo);
  const own = basename(photo);
  const stem = own.slice(0, own.length - extname(own).length);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names
    .filter(
      (name) =>
        name !== own &&
        name.slice(0, name.length - extname(name).length) === stem &&
        classifyExtension(name) !== 'other',
    )
    .map((name) => join(dir, name));
}
