import { runCaseFile } from '../helpers/cases';

runCaseFile('pubsub.txt');
