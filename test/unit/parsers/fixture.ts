import { readFileSync } from 'node:fs';

/** Text of a file under test/fixtures/, e.g. fixture('iproute2/node-ip-link.json'). */
export function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
}

/** The namespace prefix generate.sh used for the captured fixtures (`knp-fx-PID`). */
export function fixturePrefix(): string {
  const m = /link-netns (knp-fx-\d+)-/.exec(fixture('iproute2/node-ip-link.txt'));
  if (!m) throw new Error('fixture node-ip-link.txt has no knp-fx namespace');
  return m[1];
}
