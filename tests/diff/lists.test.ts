import { runCaseFile } from '../helpers/cases';

runCaseFile('lists.txt');
