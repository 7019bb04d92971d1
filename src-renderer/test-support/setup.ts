// Component test setup (renderer tests): jsdom stand-ins for layout APIs and fresh stores before each test.
import { beforeEach } from 'vitest';
import { detail } from '../lib/stores/detail.svelte';
import { doctor } from '../lib/stores/doctor.svelte';
import { errors } from '../lib/stores/errors.svelte';
import { exporter } from '../lib/stores/export.svelte';
import { folders } from '../lib/stores/folders.svelte';
import { images } from '../lib/stores/images.svelte';
import { jobs } from '../lib/stores/jobs.svelte';
import { models } from '../lib/stores/models.svelte';
import { notices } from '../lib/stores/notices.svelte';
import { review } from '../lib/stores/review.svelte';
import { selection } from '../lib/stores/selection.svelte';
import { settings } from '../lib/stores/settings.svelte';
import { tags } from '../lib/stores/tags.svelte';
import { writeTags } from '../lib/stores/write-tags.svelte';
import { overview } from '../lib/stores/overview.svelte';
import { threshold } from '../lib/stores/threshold.svelte';
import { view } from '../lib/stores/view.svelte';
import { viewer } from '../lib/stores/viewer.svelte';

/** jsdom does no layout: every element measures as a 1000×800 viewport unless a test says otherwise. */
export const viewport = { width: 1000, height: 800 };
Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
  configurable: true,
  get: () => viewport.width,
});
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get: () => viewport.height,
});

globalThis.ResizeObserver ??= class {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
};

beforeEach(() => {
  viewport.width = 1000;
  viewport.height = 800;
  // The view first: the list's filter starts from its display threshold.
  view.reset();
  for (const store of [
    detail,
    doctor,
    errors,
    exporter,
    folders,
    images,
    jobs,
    models,
    notices,
    review,
    selection,
    settings,
    tags,
    writeTags,
    overview,
    threshold,
    viewer,
  ])
    store.reset();
  delete window.skiptag;
});
