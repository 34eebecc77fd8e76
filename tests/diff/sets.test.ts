import { runCaseFile } from '../helpers/cases';

runCaseFile('sets.txt');
