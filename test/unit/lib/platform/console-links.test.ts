import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  consoleOrigin,
  logGroupConsoleUrl,
  logStreamConsoleUrl,
  logsFragmentName,
  serviceConsoleUrl,
  taskConsoleUrl,
} from '../../../../lib/platform/console-links.js';

const AWS = { partition: 'aws', region: 'us-east-1' };
const CHINA = { partition: 'aws-cn', region: 'cn-north-1' };
const GOV_CLOUD = { partition: 'aws-us-gov', region: 'us-gov-west-1' };

describe('console links open the console of the resource’s own partition', () => {
  it.each([
    { scope: AWS, origin: 'https://us-east-1.console.aws.amazon.com' },
    { scope: CHINA, origin: 'https://cn-north-1.console.amazonaws.cn' },
    { scope: GOV_CLOUD, origin: 'https://us-gov-west-1.console.amazonaws-us-gov.com' },
  ])('$scope.partition in $scope.region → $origin', ({ scope, origin }) => {
    expect(consoleOrigin(scope)).toBe(origin);
    expect(taskConsoleUrl(scope, 'prod', 'abc')?.startsWith(`${origin}/ecs/v2/`)).toBe(true);
    expect(logGroupConsoleUrl(scope, '/ecs/web')?.startsWith(`${origin}/cloudwatch/home?`)).toBe(true);
  });

  it('gives no link, rather than a wrong one, for a partition without a known console or without a region', () => {
    const isolated = { partition: 'aws-iso', region: 'us-iso-east-1' };

    expect(consoleOrigin(isolated)).toBeUndefined();
    expect(taskConsoleUrl(isolated, 'prod', 'abc')).toBeUndefined();
    expect(serviceConsoleUrl(isolated, 'prod', 'web')).toBeUndefined();
    expect(logStreamConsoleUrl(isolated, '/ecs/web', 'ecs/web/abc')).toBeUndefined();
    expect(consoleOrigin({ partition: 'aws', region: '' })).toBeUndefined();
    expect(consoleOrigin({ partition: 'constructor', region: 'us-east-1' })).toBeUndefined();
  });
});

describe('ECS console pages', () => {
  it('links a task’s configuration and a service’s health in the region', () => {
    expect(taskConsoleUrl(AWS, 'prod', 'cd7fd5c04e80fa470d33c7189c38150d')).toBe(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/prod/tasks/cd7fd5c04e80fa470d33c7189c38150d/configuration?region=us-east-1',
    );
    expect(serviceConsoleUrl(CHINA, 'prod', 'api')).toBe(
      'https://cn-north-1.console.amazonaws.cn/ecs/v2/clusters/prod/services/api/health?region=cn-north-1',
    );
  });

  it('encodes names as path segments', () => {
    expect(serviceConsoleUrl(AWS, 'a/b c', 'x?y')).toBe(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/a%2Fb%20c/services/x%3Fy/health?region=us-east-1',
    );
  });
});

describe('CloudWatch Logs console pages', () => {
  it('writes names in the fragment encoding the console reads: URI-encoded twice, % as $', () => {
    expect(logsFragmentName('/ecs/web')).toBe('$252Fecs$252Fweb');
    expect(logsFragmentName('ecs/web/0123abcd')).toBe('ecs$252Fweb$252F0123abcd');
    expect(logsFragmentName('a b#c')).toBe('a$2520b$2523c');
  });

  it('links a log stream’s events and a log group', () => {
    expect(logStreamConsoleUrl(AWS, '/ecs/api', 'ecs/api/cd7fd5c04e80fa470d33c7189c38150d')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fecs$252Fapi/log-events/ecs$252Fapi$252Fcd7fd5c04e80fa470d33c7189c38150d',
    );
    expect(logGroupConsoleUrl(CHINA, '/ecs/api')).toBe(
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#logsV2:log-groups/log-group/$252Fecs$252Fapi',
    );
  });

  it('decodes back to the very name, whatever it holds (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (name) => {
        const encoded = logsFragmentName(name);
        expect(encoded).not.toMatch(/[%/#?&\s]/);
        expect(decodeURIComponent(decodeURIComponent(encoded.replaceAll('$', '%')))).toBe(name);
      }),
    );
  });
});
