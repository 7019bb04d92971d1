// What a renderer can name (test): every free-text string in the contract's requests, and why none of them reaches a file outside the library.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { REQUESTS } from '../../src-main/shared/contract.js';

/** Paths (channel.field, `[]` for array items) of every plain string field a request may carry. */
function stringFields(schema: z.ZodType, at: string, found: string[]): string[] {
  const def = schema.def as unknown as {
    type: string;
    shape?: Record<string, z.ZodType>;
    innerType?: z.ZodType;
    element?: z.ZodType;
    in?: z.ZodType;
    options?: z.ZodType[];
  };
  switch (def.type) {
    case 'object':
      for (const [key, value] of Object.entries(def.shape ?? {})) stringFields(value, `${at}.${key}`, found);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      if (def.innerType) stringFields(def.innerType, at, found);
      break;
    case 'array':
      if (def.element) stringFields(def.element, `${at}[]`, found);
      break;
    case 'pipe':
      if (def.in) stringFields(def.in, at, found);
      break;
    case 'union':
      for (const option of def.options ?? []) stringFields(option, at, found);
      break;
    case 'string':
      found.push(at);
      break;
    default:
      // Numbers, booleans, enums and literals name nothing on disk.
      break;
  }
  return found;
}

/**
 * The audit of issue 10: each string a renderer can send, and what keeps it from naming a file. A new string
 * field fails this test until someone has decided why it is safe.
 */
const REVIEWED: Record<string, string> = {
  'library:addFolders.paths[]':
    'refused for the page (forbidden); paths come only from the preload (webUtils.getPathForFile of a drop) or main’s dialog',
  'images:query.filter.tag': 'a tag name: an SQL parameter',
  'images:query.filter.text': 'search text: an SQL LIKE parameter over the library’s own paths',
  'images:query.filter.subfolder':
    'a relative subfolder of a library folder (no "." or ".." parts, contract regex): a range over library paths (subfolderPath refuses what leaves the folder); no file is opened',
  'export:run.filter.tag': 'a tag name: an SQL parameter',
  'export:run.filter.subfolder':
    'as images:query.filter.subfolder: selects library rows; the file written is chosen in main’s dialog',
  'export:run.filter.text': 'search text: an SQL LIKE parameter; the file written is chosen in main’s dialog',
  'tags:setState.tag': 'a tag name',
  'tags:add.tag': 'a tag name',
  'tags:remove.tag': 'a tag name',
  'tags:acceptAbove.tag': 'a tag name: an SQL parameter',
  'tags:histogram.tag': 'a tag name: an SQL parameter',
  'personal:leastCertain.tag': 'a tag name: looked up among the learned classifiers (SQL parameter)',
  'settings:set.model': 'only the id of an installed model (checkModelChoice), or the saved value unchanged',
  'models:quantize.id':
    'only the id of an installed model (listModelInfos), resolved in the models folders by locateModel',
  'models:install.id': 'a catalogue id (regex), looked up in the catalogue; the URL comes from the catalogue',
  'models:speedHere.id':
    'a catalogue id (regex), looked up in the catalogue; it only picks which network is built in code and timed',
};

describe('strings in requests', () => {
  it('are exactly the reviewed ones: ids everywhere else, no path a page can type', () => {
    const found = Object.entries(REQUESTS).flatMap(([channel, { input }]) =>
      stringFields(input as z.ZodType, channel, []),
    );
    expect(found.sort()).toEqual(Object.keys(REVIEWED).sort());
  });
});
