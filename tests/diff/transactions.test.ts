import { runCaseFile } from '../helpers/cases';

runCaseFile('transactions.txt');
