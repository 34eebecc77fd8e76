import { runCaseFile } from '../helpers/cases';

runCaseFile('hashes.txt');
