/**
 * Which chromium the tests drive (playwright-core never downloads one): $EDGEKD_CHROMIUM, else the first of
 * chromium, chromium-browser, google-chrome-stable, google-chrome on the PATH; null when there is none.
 * @module
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** What to install when no browser is found (one line). */
export const HOW_TO = 'no chromium: set EDGEKD_CHROMIUM to a Chromium or Chrome binary, or install one '
  + '(Debian/Ubuntu: sudo apt-get install chromium; without root, any Chrome or Chromium build you can unpack)';

/** @param {string} file */
function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @returns {string | null} */
export function findChromium() {
  if (process.env.EDGEKD_CHROMIUM) return executable(process.env.EDGEKD_CHROMIUM) ? process.env.EDGEKD_CHROMIUM : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}
