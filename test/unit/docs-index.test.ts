/** The README's documentation list links every page (and the screenshot) in docs/. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

describe('README links every doc', () => {
  it('names docs/<file> for every .md and .png in docs/', () => {
    const files = readdirSync(new URL('docs/', root)).filter((f) => /\.(md|png)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    expect(files.filter((file) => !readme.includes(`(docs/${file})`))).toEqual([]);
  });
});
