import { runCaseFile } from '../helpers/cases';

runCaseFile('geo.txt');
