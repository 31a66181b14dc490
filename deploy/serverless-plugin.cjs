// Connects serverless.yml to the TypeScript sources at package time, without credentials or network:
// - `${ecsops:config.<path>}`, `${ecsops:stateTable}`, `${ecsops:<capability>.resources}`, … resolve from
//   deploy/stack.ts, so ops.config.yml is validated (errors name the setting) before anything is packaged;
// - before packaging or invoking locally, scripts/build.mjs bundles every function with esbuild.
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

class EcsOpsPlugin {
  constructor(serverless) {
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
    };
  }
}

module.exports = EcsOpsPlugin;
