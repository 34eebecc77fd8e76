import { runCaseFile } from '../helpers/cases';

runCaseFile('introspection.txt');
