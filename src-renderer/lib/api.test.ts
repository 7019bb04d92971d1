// Tests for the renderer's API module (renderer): envelopes unwrapped, a failed request's code reaching the stores.
import { describe, expect, it, vi } from 'vitest';
import type { SkiptagApi } from '$contract';
import { FakeServiceError, installFakeSkiptag } from '../test-support/fake-skiptag';
import { SkiptagError, hasErrorCode, skiptag } from './api';
import { detail } from './stores/detail.svelte';
import { folders } from './stores/folders.svelte';
import { notices } from './stores/notices.svelte';

describe('skiptag()', () => {
  it('resolves to the value of an ok envelope and throws a SkiptagError with the code of a failed one', async () => {
    const listTags = vi.fn(async () => ({ ok: true as const, value: [{ tag: 'red', count: 2 }] }));
    const getImage = vi.fn(async () => ({
      ok: false as const,
      error: { code: 'not_found' as const, message: 'no image with id 9' },
    }));
    const off = vi.fn();
    const onJobProgress = vi.fn(() => off);
    window.skiptag = { listTags, getImage, onJobProgress } as unknown as SkiptagApi;

    await expect(skiptag().listTags({})).resolves.toEqual([{ tag: 'red', count: 2 }]);
    expect(listTags).toHaveBeenCalledWith({});
    const failure = await skiptag()
      .getImage({ imageId: 9 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SkiptagError);
    expect(failure).toMatchObject({ code: 'not_found', message: 'no image with id 9' });
    expect(hasErrorCode(failure, 'not_found')).toBe(true);
    expect(hasErrorCode(failure, 'failed')).toBe(false);
    expect(hasErrorCode(new Error('not_found'), 'not_found')).toBe(false);

    // Subscriptions are not requests: their unsubscribe function comes back as it is.
    const listener = vi.fn();
    expect(skiptag().onJobProgress(listener)).toBe(off);
    expect(onJobProgress).toHaveBeenCalledWith(listener);
  });

  it('follows window.skiptag when a new one is installed', async () => {
    installFakeSkiptag({ count: 1 });
    expect((await skiptag().listFolders({})).map((f) => f.path)).toEqual(['/photos']);
    const fake = installFakeSkiptag({ count: 1 });
    fake.api.listFolders.mockResolvedValueOnce([
      { id: 2, path: '/elsewhere', watched: false, imageCount: 0, lastScanAt: null },
    ]);
    expect((await skiptag().listFolders({})).map((f) => f.path)).toEqual(['/elsewhere']);
  });
});

describe('a failed request in the stores', () => {
  it('reaches the notices with its code, and a transient one says to try again', async () => {
    const fake = installFakeSkiptag({ count: 1 });
    fake.api.listFolders.mockRejectedValueOnce(
      new FakeServiceError(
        'library_busy',
        'the library is busy: another program is writing to it (database is locked)',
      ),
    );
    await folders.load();
    expect(notices.items).toEqual([
      {
        id: expect.any(Number) as number,
        kind: 'error',
        code: 'library_busy',
        text: 'Could not list folders: the library is busy: another program is writing to it (database is locked) (try again in a moment)',
      },
    ]);

    notices.reset();
    fake.api.listFolders.mockRejectedValueOnce(new Error('disk full'));
    await folders.load();
    expect(notices.items).toMatchObject([{ code: 'failed', text: 'Could not list folders: disk full' }]);
  });

  it('lets the detail store tell a photo that is gone from other failures', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    await detail.open(2);
    expect(detail.image?.id).toBe(2);
    fake.api.getImage.mockRejectedValueOnce(new FakeServiceError('not_found', 'no image with id 2'));
    await detail.refresh();
    expect(detail.image).toBeNull();
    expect(detail.error).toBe('it is no longer in the library');

    await detail.open(1);
    fake.api.getImage.mockRejectedValueOnce(
      new FakeServiceError('engine_unavailable', 'the engine is restarting'),
    );
    await detail.refresh();
    expect(detail.image?.id).toBe(1);
    expect(detail.error).toBe('the engine is restarting');
  });
});
