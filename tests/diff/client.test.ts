import { runCaseFile } from '../helpers/cases';

runCaseFile('client.txt');
