/**
 * serverless.yml as the framework reads it: YAML with CloudFormation's short-form tags, and its variables
 * resolved as the framework resolves them — `${ecsops:…}` from deploy/stack.ts (the same settings the plugin
 * serves), `${opt:stage, 'dev'}`, `${opt:region}`, `${sls:stage}` and `${self:…}`. CloudFormation's own
 * `${AWS::Region}`-style substitutions are left for CloudFormation.
 */
import { parse, type Tags } from 'yaml';
import { stackSettings } from '../../deploy/stack.js';
import { isObject, RoutingError } from './template.js';

export interface DocumentOptions {
  stage: string;
  region: string | undefined;
  /** ops.config.yml, read only when the document uses `${ecsops:…}`. */
  configFile: string;
}

/** CloudFormation's short-form tags, as their long forms (`!GetAtt A.Arn` → `{ 'Fn::GetAtt': ['A', 'Arn'] }`). */
const CLOUDFORMATION_TAGS: Tags = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  {
    tag: '!GetAtt',
    resolve: (value: string) => {
      const dot = value.indexOf('.');
      return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
    },
  },
  { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
  { tag: '!Sub', collection: 'seq', resolve: (value) => ({ 'Fn::Sub': value.toJSON() }) },
];

const VARIABLE = /\$\{((?:ecsops|opt|sls|self):[^}]*)\}/g;

export function resolvedDocument(text: string, options: DocumentOptions): Record<string, unknown> {
  const document = parse(text, { customTags: CLOUDFORMATION_TAGS });
  if (!isObject(document)) throw new RoutingError('serverless.yml: expected a mapping at the top level');
  let settings: unknown;
  const visit = (node: unknown, depth: number): unknown => {
    if (depth > 10) throw new RoutingError('serverless.yml: variables refer to each other in a cycle');
    if (typeof node === 'string')
      return resolveString(node, (expression) => visit(lookup(expression), depth + 1));
    if (Array.isArray(node)) return node.map((item) => visit(item, depth));
    if (isObject(node))
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, depth)]));
    return node;
  };
  const lookup = (expression: string): unknown => {
    // `${opt:stage, 'dev'}`: the first source that has a value wins; quoted literals always have one.
    for (const candidate of expression.split(',').map((part) => part.trim())) {
      const literal = /^'(.*)'$|^"(.*)"$/.exec(candidate);
      if (literal) return literal[1] ?? literal[2];
      if (/^-?\d+(\.\d+)?$/.test(candidate)) return Number(candidate);
      const value = source(candidate);
      if (value !== undefined) return value;
    }
    throw new RoutingError(
      `serverless.yml: \${${expression}} has no value; give a default or set the option`,
    );
  };
  const source = (candidate: string): unknown => {
    const colon = candidate.indexOf(':');
    const [name, address] = [candidate.slice(0, colon), candidate.slice(colon + 1)];
    switch (name) {
      case 'opt':
        return address === 'stage' ? options.stage : address === 'region' ? options.region : undefined;
      case 'sls':
        if (address === 'stage') return options.stage;
        throw new RoutingError(
          `serverless.yml: \${sls:${address}} is not available locally; only sls:stage is`,
        );
      case 'self':
        return pick(document, address, `\${self:${address}}`);
      case 'ecsops':
        // As the plugin does: function names (`<service>-<stage>-<function>`) name the roles' log groups.
        settings ??= stackSettings(options.configFile, {
          service: String(visit(document.service, 0)),
          stage: options.stage,
        });
        return pick(settings, address, `\${ecsops:${address}}`);
      default:
        throw new RoutingError(`serverless.yml: unsupported variable source in \${${candidate}}`);
    }
  };
  return visit(document, 0) as Record<string, unknown>;
}

/** A string that is one variable becomes its value (of any type); variables inside text are substituted. */
function resolveString(text: string, resolve: (expression: string) => unknown): unknown {
  const whole = /^\$\{((?:ecsops|opt|sls|self):[^}]*)\}$/.exec(text);
  if (whole?.[1] !== undefined) return resolve(whole[1]);
  return text.replace(VARIABLE, (_match, expression: string) => {
    const value = resolve(expression);
    if (isObject(value) || Array.isArray(value)) {
      throw new RoutingError(
        `serverless.yml: \${${expression}} is an object and cannot be part of "${text}"`,
      );
    }
    return String(value);
  });
}

/** Address lookup as deploy/serverless-plugin.cjs does it: dot-separated keys, each of which must exist. */
function pick(value: unknown, address: string, variable: string): unknown {
  return address.split('.').reduce<unknown>((node, key) => {
    if (!isObject(node) || !(key in node)) {
      throw new RoutingError(
        `serverless.yml: ${variable} does not exist; see deploy/stack.ts for what is available`,
      );
    }
    return node[key];
  }, value);
}
