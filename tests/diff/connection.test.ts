import { runCaseFile } from '../helpers/cases';

runCaseFile('connection.txt');
