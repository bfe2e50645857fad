// ESM entry: the implementation is the CommonJS index.js (one copy of state).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cjs = require('./index.js');

export const { startRampart, rampartBinary, DEFAULT_REGION } = cjs;
export default startRampart;
