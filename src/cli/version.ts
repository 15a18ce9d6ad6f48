import { createRequire } from 'node:module';

/** This package's version, read from package.json (two levels up from src/cli and dist/cli alike). */
export const version: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
