import { runCaseFile } from '../helpers/cases';

runCaseFile('streams.txt');
