import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCaseFile } from '../helpers/cases';

// SAVE and DEBUG RELOAD write dump.rdb: Cinnabar works in a directory of its own (redis-server has one too).
runCaseFile('dump.txt', { cinnabar: { dir: fs.mkdtempSync(path.join(os.tmpdir(), 'cinnabar-dump-')) } });
