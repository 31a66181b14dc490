/**
 * The stack's CloudWatch metric alarms (`AWS::CloudWatch::Alarm`, deploy/monitoring.ts through
 * `${ecsops:monitoring.resources}`), as declared: their dimension values and actions may be CloudFormation
 * references (`!GetAtt Queue.QueueName`, `!Ref AlertTopic`) for the caller to map to its local resources.
 */
import type { AlarmDefinition, ComparisonOperator, TreatMissingData } from '../cloudwatch/alarms.js';
import type { EnvironmentValue } from './functions.js';
import { asObject, isObject, RoutingError, resourcesOfType, type Template } from './template.js';

export type AlarmResource = AlarmDefinition<EnvironmentValue> & { logicalId: string };

const COMPARISONS = new Set<string>([
  'GreaterThanThreshold',
  'GreaterThanOrEqualToThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
const MISSING_DATA = new Set<string>(['breaching', 'notBreaching', 'ignore', 'missing']);

export function alarmDefinitions(template: Template): AlarmResource[] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([logicalId, resource]) => {
    const p = asObject(resource.Properties);
    const at = `resources.${logicalId}.Properties`;
    const text = (key: string, fallback?: string): string => {
      const value = p[key] ?? fallback;
      if (typeof value !== 'string' || value === '') {
        throw new RoutingError(`${at}.${key}: expected a string, got ${JSON.stringify(value)}`);
      }
      return value;
    };
    const number = (key: string, fallback?: number): number => {
      const value = Number(p[key] ?? fallback);
      if (!Number.isFinite(value)) {
        throw new RoutingError(`${at}.${key}: expected a number, got ${JSON.stringify(p[key])}`);
      }
      return value;
    };
    const oneOf = (key: string, allowed: ReadonlySet<string>, fallback?: string): string => {
      const value = text(key, fallback);
      if (!allowed.has(value))
        throw new RoutingError(`${at}.${key}: expected one of ${[...allowed].join(', ')}, got ${value}`);
      return value;
    };
    if (p.Metrics !== undefined) {
      throw new RoutingError(`${at}.Metrics: metric math alarms are not evaluated locally`);
    }
    const extended = typeof p.ExtendedStatistic === 'string';
    const evaluationPeriods = number('EvaluationPeriods');
    const references = (key: string): EnvironmentValue[] =>
      (Array.isArray(p[key]) ? (p[key] as unknown[]) : []).filter(
        (v): v is EnvironmentValue => typeof v === 'string' || isObject(v),
      );
    return {
      logicalId,
      name: text('AlarmName', `${template.service}-${template.stage}-${logicalId}`),
      description: typeof p.AlarmDescription === 'string' ? p.AlarmDescription : '',
      namespace: text('Namespace'),
      metricName: text('MetricName'),
      dimensions: (Array.isArray(p.Dimensions) ? p.Dimensions : []).map((d, i) => {
        const { Name, Value } = asObject(d);
        if (typeof Name !== 'string' || (typeof Value !== 'string' && !isObject(Value))) {
          throw new RoutingError(`${at}.Dimensions[${i}]: expected a Name and a Value`);
        }
        return { Name, Value: Value as EnvironmentValue };
      }),
      statistic: extended ? text('ExtendedStatistic') : text('Statistic'),
      extended,
      ...(typeof p.Unit === 'string' ? { unit: p.Unit } : {}),
      periodSeconds: number('Period'),
      evaluationPeriods,
      datapointsToAlarm: number('DatapointsToAlarm', evaluationPeriods),
      threshold: number('Threshold'),
      comparison: oneOf('ComparisonOperator', COMPARISONS) as ComparisonOperator,
      treatMissingData: oneOf('TreatMissingData', MISSING_DATA, 'missing') as TreatMissingData,
      alarmActions: references('AlarmActions'),
      okActions: references('OKActions'),
    };
  });
}
