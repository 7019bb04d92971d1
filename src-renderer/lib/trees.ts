// Tree builders for the sidebar (renderer): tags under their broader tags (dog → animal), subfolders under their folder.
import type { TagSummary } from '$contract';

export type TagNode = {
  name: string;
  /** The tag's own counts; undefined for a broader tag no photo carries itself (a group). */
  summary: TagSummary | undefined;
  children: TagNode[];
  /** Photos of this tag and of every tag under it (a photo with two of them counts twice). */
  weight: number;
};

/**
 * Tags nested under their broader tags, most photos first at each level: "golden retriever" (parents dog,
 * animal) becomes animal › dog › golden retriever. A tag without broader tags is a root.
 */
export function tagTree(list: readonly TagSummary[]): TagNode[] {
  const roots: TagNode[] = [];
  const find = (level: TagNode[], name: string): TagNode => {
    let node = level.find((n) => n.name === name);
    if (!node) {
      node = { name, summary: undefined, children: [], weight: 0 };
      level.push(node);
    }
    return node;
  };
  for (const summary of list) {
    let level = roots;
    for (const parent of [...summary.parents].reverse()) level = find(level, parent).children;
    find(level, summary.tag).summary = summary;
  }
  const weigh = (node: TagNode): number => {
    node.weight = (node.summary?.photos ?? 0) + node.children.reduce((sum, child) => sum + weigh(child), 0);
    node.children.sort(byWeight);
    return node.weight;
  };
  roots.forEach(weigh);
  return roots.sort(byWeight);
}

function byWeight(a: TagNode, b: TagNode): number {
  return b.weight - a.weight || a.name.localeCompare(b.name);
}

export type FolderNode = {
  name: string;
  /** '/'-separated, relative to the library folder. */
  path: string;
  /** Photos in this subfolder and all below it. */
  total: number;
  children: FolderNode[];
};

/** Subfolders (each with the photos directly in it) as a tree whose nodes count everything under them. */
export function folderTree(subfolders: readonly { path: string; count: number }[]): FolderNode[] {
  const roots: FolderNode[] = [];
  for (const { path, count } of subfolders) {
    if (path === '') continue;
    let level = roots;
    let prefix = '';
    for (const name of path.split('/')) {
      prefix = prefix ? `${prefix}/${name}` : name;
      let node = level.find((n) => n.name === name);
      if (!node) {
        node = { name, path: prefix, total: 0, children: [] };
        level.push(node);
      }
      node.total += count;
      level = node.children;
    }
  }
  return roots;
}
