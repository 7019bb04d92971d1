// Crash safety (test): `kill -9` the tagging CLI at random moments, many times; nothing finished is lost or redone.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { PHOTOS_DIR, runCli, startCli } from '../support/run-cli.js';

let work: string;
let photos: string;
let model: string;
let library: string;
const COPIES = 30; // × 7 real photos = 210 photos: several seconds of work with ResNet-18 on two cores

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-kill-'));
  photos = path.join(work, 'photos');
  await mkdir(photos, { recursive: true });
  const sources = (await readdir(PHOTOS_DIR)).filter((f) => f.endsWith('.jpg'));
  for (let i = 0; i < COPIES; i++) {
    // Distinct bytes per copy (a trailing comment after the JPEG end) so every photo has its own hash.
    for (const source of sources) {
      const target = path.join(photos, `${String(i).padStart(2, '0')}-${source}`);
      await copyFile(path.join(PHOTOS_DIR, source), target);
      await writeFile(target, `copy ${i}`, { flag: 'a' });
    }
  }
  // ResNet-18: the kills land mid-run all the same, and fourteen runs start their model faster than ResNet-50's.
  model = path.join(work, 'resnet18.onnx');
  await writeFile(model, buildResNet('resnet18', { seed: 5 }));
  library = path.join(work, 'library.db');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Reads the library the way a second process would, checking the invariants that must survive any kill. */
function inspect(): { done: number; acceptedKept: boolean } {
  const db = Library.open(library);
  try {
    expect(db.integrityCheck()).toBe('ok');
    let done = 0;
    for (const image of db.exportImages({})) {
      if (image.status === 'ok') {
        done += 1;
        // Never marked done without its predictions.
        expect(image.predictions).toHaveLength(5);
      }
    }
    const first = db.getImageByPath(Buffer.from(path.join(photos, '00-dog.jpg')));
    const acceptedKept = first
      ? db.tagsForImage(first.id).some((t) => t.tag === 'favourite' && t.state === 'accepted')
      : false;
    return { done, acceptedKept };
  } finally {
    db.close();
  }
}

describe('kill -9 during tagging', () => {
  it('resumes without losing or redoing finished photos, and keeps user decisions', async () => {
    const total = COPIES * 7;
    let previous = 0;
    let accepted = false;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 12; round++) {
      const { child, done } = startCli([
        'tag',
        photos,
        '--model',
        model,
        '--library',
        library,
        '--batch',
        '4',
        '-q',
      ]);
      // Random moments: every third round during start-up, the others while photos are being classified
      // (counted from the moment the engine reports its model loaded).
      if (round % 3 !== 0) {
        await new Promise<void>((resolve) => {
          let text = '';
          child.stderr?.on('data', (d: Buffer) => {
            text += d.toString();
            if (text.includes(' on cpu')) resolve();
          });
          void done.then(() => resolve());
        });
      }
      const delay = Math.floor(random() * 2000);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await done;
      const state = inspect();
      expect(state.done).toBeGreaterThanOrEqual(previous);
      previous = state.done;
      if (accepted) expect(state.acceptedKept).toBe(true);
      if (!accepted && state.done > 0) {
        // A user's decision made between runs (a second process) must survive every later kill.
        const db = Library.open(library);
        const first = db.getImageByPath(Buffer.from(path.join(photos, '00-dog.jpg')));
        if (first) {
          db.setTagState([first.id], 'favourite', 'accepted');
          accepted = true;
        }
        db.close();
      }
      if (previous === total) break;
    }
    const beforeFinal = inspect().done;
    const final = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(final.code, final.stderr).toBe(0);
    // Exactly the photos not finished before are classified now: nothing finished was redone.
    expect(final.stderr).toContain(`; ${total - beforeFinal} tagged`);
    const after = inspect();
    expect(after.done).toBe(total);
    if (accepted) expect(after.acceptedKept).toBe(true);
    const again = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(again.stderr).toContain(`${total} unchanged; 0 tagged`);
    // Up to fourteen CLI runs. Measured on the 2-core development machine: 38 s (ResNet-50) with other
    // tests running (load average 4), 205 s (ResNet-50) with two busy loops on top (load average 10), 68 s
    // (ResNet-18) at load average 7: the suite's 60 s default failed under load. Generous, since nothing
    // here waits on a clock but the random kill delays.
  }, 600_000);
});
