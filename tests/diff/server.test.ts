import { runCaseFile } from '../helpers/cases';

runCaseFile('server.txt');
