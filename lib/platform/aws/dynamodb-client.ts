/** The DynamoDB client of the state table, so the deployed functions, the CLI and the local engine agree. */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { awsClient } from './clients.js';

export const dynamoDbClient = (config: DynamoDBClientConfig = {}): DynamoDBClient =>
  awsClient(DynamoDBClient, config);
