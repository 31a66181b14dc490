/**
 * The functions' execution roles, one per function and each naming only what that function calls. What every
 * role shares (Lambda's trust, writing its own log group, the SQS event source's permissions) is written here
 * once; each capability declares the rest.
 */
import type { IndexName } from '../lib/platform/store/table.js';
import { consumeStatements, type EventQueue } from './queues.js';
import { allow, functionName, getAtt, ref, type Stack, type Statement } from './template.js';

export interface FunctionRole {
  /** The function in serverless.yml, which names this role `role: <Function>Role` (`alert-summary` → `AlertSummaryRole`). */
  function: string;
  /** Its SQS event source, which it also dead-letters into. */
  consumes?: EventQueue;
  /** What its code calls, besides its logs and its queue. */
  statements: Statement[];
  /** What ops.config.yml decides, as a second policy of that name. */
  configured?: { policy: string; statements: Statement[] };
}

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

const policy = (PolicyName: string, Statement: Statement[]) => ({
  PolicyName,
  PolicyDocument: { Version: '2012-10-17', Statement },
});

/** `alert-summary` → `AlertSummaryRole`. */
const roleLogicalId = (fn: string) =>
  `${fn.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())}Role`;

/** Lambda creates the log group's streams and writes them with the function's role (the group is the stack's). */
const writeOwnLogs = (stack: Stack, fn: string) =>
  allow('WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], {
    'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName(stack, fn)}:*`,
  });

export function functionRoles(stack: Stack, roles: readonly FunctionRole[]) {
  return Object.fromEntries(
    roles.map((role) => [
      roleLogicalId(role.function),
      {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: LAMBDA_TRUST,
          Policies: [
            policy(role.function, [
              writeOwnLogs(stack, role.function),
              ...(role.consumes === undefined ? [] : consumeStatements(role.consumes)),
              ...role.statements,
            ]),
            ...(role.configured === undefined
              ? []
              : [policy(role.configured.policy, role.configured.statements)]),
          ],
        },
      },
    ]),
  );
}

const indexArn = (index: IndexName) => ({ 'Fn::Sub': `\${StateTable.Arn}/index/${index}` });

/** Actions on the state table and, when named, its indexes (a Query of an index needs the index's ARN). */
export const stateTable = (Sid: string, actions: string[], indexes: readonly IndexName[] = []) =>
  allow(
    Sid,
    actions,
    indexes.length === 0 ? getAtt('StateTable') : [getAtt('StateTable'), ...indexes.map(indexArn)],
  );

/** Actions on the state table's indexes only (a Query of an index needs the index's ARN, not the table's). */
export const stateTableIndexes = (Sid: string, actions: string[], indexes: readonly IndexName[]) =>
  allow(Sid, actions, indexes.map(indexArn));

/** Publishing to the alert topic (serverless.yml AlertTopic). */
export const publishAlerts = (Sid: string) => allow(Sid, 'sns:Publish', ref('AlertTopic'));

/**
 * Which containers a task definition marks essential, which decides pages and job results. ECS authorises
 * DescribeTaskDefinition on "*" only: it has no resource ARN form.
 */
export const DESCRIBE_TASK_DEFINITIONS = allow('EssentialContainers', 'ecs:DescribeTaskDefinition', '*');
