import { runCaseFile } from '../helpers/cases';

runCaseFile('cluster-replication.txt');
