// Connects serverless.yml to the TypeScript sources at package time, without credentials or network:
// - `${ecsops:config.<path>}`, `${ecsops:stateTable}`, `${ecsops:<capability>.resources}`, … resolve from
//   deploy/stack.ts, so ops.config.yml is validated (errors name the setting) before anything is packaged;
// - before packaging or invoking locally, scripts/build.mjs bundles every function with esbuild;
// - after each deploy, one resync is started at once (the day-one backfill): see backfillAfterDeploy.
const { execFileSync } = require('node:child_process');
const { mkdirSync, mkdtempSync, rmSync } = require('node:fs');
const path = require('node:path');
const { buildSync } = require('esbuild');

const root = path.resolve(__dirname, '..');

function loadStackSettings(configFile, stack) {
  // Inside the project, so the bundle resolves the project's node_modules.
  const cache = path.join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, 'ecs-ops-stack-'));
  const outfile = path.join(dir, 'stack.cjs');
  try {
    buildSync({
      entryPoints: [path.join(root, 'deploy', 'stack.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      logLevel: 'error',
    });
    return require(outfile).stackSettings(configFile, stack);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pick(value, address) {
  return address.split('.').reduce((node, key) => {
    if (node === undefined || node === null || !(key in node)) {
      throw new Error(`\${ecsops:${address}} does not exist; see deploy/stack.ts for what is available`);
    }
    return node[key];
  }, value);
}

/** The function the backfill invokes, what it sends, and how to do it by hand when that fails. */
const RESYNC_FUNCTION = 'resync';
const DEPLOY_PAYLOAD = JSON.stringify({ trigger: 'deploy' });
/** `npx serverless invoke -f resync --data '{"trigger":"deploy"}'`, with the deploy's stage and region. */
function byHand(provider) {
  const options = [
    ['--stage', provider?.getStage?.()],
    ['--region', provider?.getRegion?.()],
  ].flatMap(([option, value]) => (typeof value === 'string' && value !== '' ? [`${option} ${value}`] : []));
  return ['npx serverless invoke -f', RESYNC_FUNCTION, ...options, `--data '${DEPLOY_PAYLOAD}'`].join(' ');
}

/**
 * A Lambda client with the deploy's credentials and region. osls 4 has no `provider.request` (its AWS SDK v2
 * surface is gone): plugins build SDK v3 clients from `provider.getAwsSdkV3Config()`.
 */
async function lambdaClientOf(provider) {
  const { LambdaClient } = require('@aws-sdk/client-lambda');
  return new LambdaClient(await provider.getAwsSdkV3Config());
}

/**
 * The day-one backfill: starts one resync of the deployed stack, asynchronously (`InvocationType: Event`, so
 * the deploy does not wait for it), so `ecs-ops tasks` answers for tasks that ran before ecs-ops was there.
 * A failure to invoke warns and says what to run by hand, but never fails the deploy: the stack is up, and
 * the schedule (resync.intervalMinutes) heals the store anyway.
 */
async function backfillAfterDeploy(serverless, log, lambdaClient = lambdaClientOf) {
  let name = `the ${RESYNC_FUNCTION} function`;
  let provider;
  try {
    provider = serverless.getProvider('aws');
    name = serverless.service.getFunction(RESYNC_FUNCTION).name;
    const { InvokeCommand } = require('@aws-sdk/client-lambda');
    const client = await lambdaClient(provider);
    const answer = await client.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: DEPLOY_PAYLOAD }),
    );
    if (answer.StatusCode !== 202) {
      throw new Error(`Lambda answered status ${answer.StatusCode}, not 202 (queued)`);
    }
    log.notice(`ecs-ops: resync started (${name}): the store is being filled with the tasks already running`);
  } catch (error) {
    log.warning(
      [
        `ecs-ops: the deploy succeeded, but starting the day-one resync (${name}) failed: ${error.message}`,
        'Tasks that were already running stay unknown to `ecs-ops tasks` until a resync runs; start one with',
        `  ${byHand(provider)}`,
        'or wait for its next scheduled run (every resync.intervalMinutes of ops.config.yml; none when 0).',
      ].join('\n'),
    );
  }
}

/** The writer osls gives external plugins (`log.notice`, `log.warning`), else the console. */
const consoleLog = { notice: (text) => console.log(text), warning: (text) => console.warn(text) };

class EcsOpsPlugin {
  constructor(serverless, _options, utils = {}) {
    const log = utils.log ?? consoleLog;
    let settings;
    const settingsOnce = (stack) => {
      settings ??= loadStackSettings(path.join(root, 'ops.config.yml'), stack);
      return settings;
    };
    this.configurationVariablesSources = {
      ecsops: {
        resolve: async ({ address, resolveVariable }) => {
          try {
            // Function names (`<service>-<stage>-<function>`) name the roles' log groups.
            const stack = {
              service: await resolveVariable('self:service'),
              stage: await resolveVariable('sls:stage'),
            };
            return { value: pick(settingsOnce(stack), address) };
          } catch (error) {
            throw new serverless.classes.Error(error.message);
          }
        },
      },
    };
    const build = () =>
      execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    this.hooks = {
      'before:package:createDeploymentArtifacts': build,
      'before:deploy:function:packageFunction': build,
      'before:invoke:local:invoke': build,
      'after:deploy:deploy': () => backfillAfterDeploy(serverless, log),
    };
  }
}

module.exports = EcsOpsPlugin;
module.exports.backfillAfterDeploy = backfillAfterDeploy;
