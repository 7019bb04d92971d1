// Svelte compiler options (renderer): read by vite-plugin-svelte, svelte-check and eslint-plugin-svelte.
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  vitePlugin: {
    // Runes mode for our components only; packages' own .svelte files keep whatever mode they were written in.
    dynamicCompileOptions: ({ filename }) =>
      filename.includes('/src-renderer/') ? { runes: true } : undefined,
  },
};
