import { runCaseFile } from '../helpers/cases';

runCaseFile('zsets.txt');
