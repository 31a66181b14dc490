import { describe, expect, it } from 'vitest';
import {
  clusterName,
  lastSegment,
  parseArn,
  parseTaskDefinitionArn,
  resourceId,
  resourceKey,
} from '../../../../lib/platform/arn.js';

describe('reading ARNs', () => {
  it.each([
    [
      'arn:aws:ecs:us-east-1:111122223333:task/prod/0123abcd',
      {
        partition: 'aws',
        service: 'ecs',
        region: 'us-east-1',
        account: '111122223333',
        resource: 'task/prod/0123abcd',
      },
    ],
    [
      'arn:aws-us-gov:lambda:us-gov-west-1:111122223333:function:ecs-ops-prod-alert',
      {
        partition: 'aws-us-gov',
        service: 'lambda',
        region: 'us-gov-west-1',
        account: '111122223333',
        resource: 'function:ecs-ops-prod-alert',
      },
    ],
    [
      'arn:aws:iam::111122223333:role/x',
      { partition: 'aws', service: 'iam', region: '', account: '111122223333', resource: 'role/x' },
    ],
  ])('splits %s into its parts', (arn, parts) => {
    expect(parseArn(arn)).toEqual(parts);
  });

  it.each(['prod', '', 'arn:aws', 'urn:aws:ecs:us-east-1:1:task/x'])('%j is not an ARN', (text) => {
    expect(parseArn(text)).toBeUndefined();
  });

  it('names clusters, tasks and container instances by their last segment, in either ARN format', () => {
    expect(clusterName('arn:aws:ecs:us-east-1:111122223333:cluster/prod')).toBe('prod');
    expect(clusterName('prod')).toBe('prod');
    expect(resourceId('arn:aws:ecs:us-east-1:111122223333:task/prod/0123abcd')).toBe('0123abcd');
    expect(resourceId('arn:aws:ecs:us-east-1:111122223333:task/0123abcd')).toBe('0123abcd');
    expect(lastSegment('0123abcd')).toBe('0123abcd');
  });

  it('keys a task or container instance by type and id, whatever the ARN format', () => {
    expect(resourceKey('arn:aws:ecs:us-east-1:111122223333:task/prod/0123abcd')).toBe('task/0123abcd');
    expect(resourceKey('arn:aws:ecs:us-east-1:111122223333:task/0123abcd')).toBe('task/0123abcd');
    expect(resourceKey('arn:aws-cn:ecs:cn-north-1:111122223333:container-instance/prod/9f8e')).toBe(
      'container-instance/9f8e',
    );
  });

  it.each([
    ['arn:aws:ecs:us-east-1:111122223333:task-definition/web:42', { family: 'web', revision: 42 }],
    [
      'arn:aws-cn:ecs:cn-north-1:111122223333:task-definition/my_job-2:1',
      { family: 'my_job-2', revision: 1 },
    ],
    ['arn:aws:ecs:us-east-1:111122223333:task-definition/web', undefined],
  ])('reads the family and revision of %s', (arn, parsed) => {
    expect(parseTaskDefinitionArn(arn)).toEqual(parsed);
  });
});
