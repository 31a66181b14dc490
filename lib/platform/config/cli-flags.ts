/**
 * The flags that point the ecs-ops commands a page suggests at this deployment's table. None when DynamoDB is
 * a local endpoint (the sandbox): there the CLI reads the local store by default.
 */
import { stageOfTable } from '../store/table.js';

export function cliFlagsOf(tableName: string): string {
  const stage = stageOfTable(tableName);
  const region = process.env.AWS_REGION;
  if (process.env.AWS_ENDPOINT_URL_DYNAMODB !== undefined || stage === undefined) return '';
  return ` --store aws --stage ${stage}${region ? ` --region ${region}` : ''}`;
}
