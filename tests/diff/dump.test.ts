import { runCaseFile } from '../helpers/cases';

runCaseFile('dump.txt');
