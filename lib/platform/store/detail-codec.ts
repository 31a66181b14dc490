/**
 * How an event `detail` is stored: JSON, deflated with a preset dictionary of the words ECS events repeat.
 *
 * DynamoDB bills writes per started 1 KB and ECS details are 1–6 KB of highly repetitive JSON, so storing the
 * detail compressed is what lets ecs-ops keep both the latest state and every version for fewer write units
 * than storing the raw detail once. The bytes are lossless: `decodeDetail(encodeDetail(d))` deep-equals `d`.
 *
 * The first byte names the format. Format 1's dictionary must never change: items written with it must stay
 * readable. To improve the dictionary, add format 2 beside it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const FORMAT_DEFLATE_DICTIONARY_1 = 1;

/** Words and fragments of ECS task and container-instance details; deflate favours the end of a dictionary. */
const DICTIONARY_1 = Buffer.from(
  [
    'com.amazonaws.ecs.capability.docker-remote-api.1.',
    'com.amazonaws.ecs.capability.logging-driver.',
    'ecs.capability.task-eni',
    'ecs.capability.execution-role-awslogs',
    '"registeredResources":[{"name":"CPU","type":"INTEGER","integerValue":',
    '"remainingResources":[{"name":"CPU","type":"INTEGER","integerValue":',
    '{"name":"MEMORY","type":"INTEGER","integerValue":',
    '{"name":"PORTS","type":"STRINGSET","stringSetValue":[',
    '{"name":"PORTS_UDP","type":"STRINGSET","stringSetValue":[]}',
    '"versionInfo":{"agentHash":"","agentVersion":"","dockerVersion":"DockerVersion: "}',
    '"agentConnected":true,"pendingTasksCount":0,"runningTasksCount":',
    '"ec2InstanceId":"i-',
    '"registeredAt":"',
    '"attachments":[{"id":"","type":"eni","status":"ATTACHED","details":[',
    '{"name":"subnetId","value":"subnet-"},{"name":"networkInterfaceId","value":"eni-"},',
    '{"name":"macAddress","value":""},{"name":"privateDnsName","value":"ip-',
    '.ec2.internal"},{"name":"privateIPv4Address","value":"10.',
    '"attributes":[{"name":"ecs.cpu-architecture","value":"x86_64"}]',
    '"availabilityZone":"us-east-1',
    '"capacityProviderName":"FARGATE","connectivity":"CONNECTED","connectivityAt":"',
    '"ephemeralStorage":{"sizeInGiB":20},"launchType":"FARGATE","platformVersion":"1.4.0","platformFamily":"Linux",',
    '"networkInterfaces":[{"attachmentId":"","privateIpv4Address":"10.',
    '"networkBindings":[{"bindIP":"0.0.0.0","containerPort":80,"hostPort":',
    ',"protocol":"tcp"}]',
    '"image":".dkr.ecr.us-east-1.amazonaws.com/',
    '"imageDigest":"sha256:',
    '"runtimeId":"',
    '"healthStatus":"UNKNOWN"',
    '"managedAgents":[{"name":"ExecuteCommandAgent","lastStatus":"RUNNING"}]',
    '"overrides":{"containerOverrides":[{"name":"',
    '"inferenceAccelerators":[]',
    '"pullStartedAt":"',
    '"pullStoppedAt":"',
    '"executionStoppedAt":"',
    '"stoppingAt":"',
    '"stoppedAt":"',
    '"stopCode":"EssentialContainerExited","stoppedReason":"Essential container in task exited"',
    '"stopCode":"ServiceSchedulerInitiated","stoppedReason":"Scaling activity initiated by (deployment ecs-svc/',
    '"stopCode":"TaskFailedToStart"',
    '"stopCode":"UserInitiated"',
    '"reason":"',
    '"exitCode":',
    '"startedAt":"',
    '"startedBy":"ecs-svc/',
    '"group":"service:',
    '"group":"family:',
    '"desiredStatus":"RUNNING"',
    '"desiredStatus":"STOPPED"',
    '"lastStatus":"PROVISIONING"',
    '"lastStatus":"PENDING"',
    '"lastStatus":"ACTIVATING"',
    '"lastStatus":"DEACTIVATING"',
    '"lastStatus":"STOPPING"',
    '"lastStatus":"DEPROVISIONING"',
    '"lastStatus":"STOPPED"',
    '"lastStatus":"RUNNING"',
    '"status":"ACTIVE"',
    '"status":"DRAINING"',
    '"cpu":"256","memory":"512"',
    '"cpu":"0"',
    '"memory":"',
    '"createdAt":"',
    '"updatedAt":"',
    '"version":',
    '"containers":[{"containerArn":"arn:aws:ecs:us-east-1:',
    ':container/',
    '"taskDefinitionArn":"arn:aws:ecs:us-east-1:',
    ':task-definition/',
    '"containerInstanceArn":"arn:aws:ecs:us-east-1:',
    ':container-instance/',
    '"clusterArn":"arn:aws:ecs:us-east-1:',
    ':cluster/',
    '"taskArn":"arn:aws:ecs:us-east-1:',
    ':task/',
    '"name":"',
    '"value":"',
    '.000Z"',
  ].join(''),
);

export function encodeDetail(detail: object): Uint8Array {
  const deflated = deflateRawSync(JSON.stringify(detail), { dictionary: DICTIONARY_1, level: 6 });
  const encoded = new Uint8Array(deflated.length + 1);
  encoded[0] = FORMAT_DEFLATE_DICTIONARY_1;
  encoded.set(deflated, 1);
  return encoded;
}

export function decodeDetail(encoded: Uint8Array): Record<string, unknown> {
  const format = encoded[0];
  if (format !== FORMAT_DEFLATE_DICTIONARY_1) {
    throw new Error(`stored detail has unknown format ${format}; upgrade ecs-ops to read it`);
  }
  const json = inflateRawSync(encoded.subarray(1), { dictionary: DICTIONARY_1 }).toString('utf8');
  return JSON.parse(json) as Record<string, unknown>;
}
