import { runCaseFile } from '../helpers/cases';

runCaseFile('bitmaps.txt');
