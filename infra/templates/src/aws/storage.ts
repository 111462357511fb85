/**
 * The cluster bucket (brokers' objects; kept when the stack is deleted: it holds acknowledged data) and the
 * control plane's PostgreSQL on RDS, with its password and the control plane's secrets key generated into
 * Secrets Manager (never a template parameter, so never in the stack's events or console).
 */
export const STORAGE_RESOURCES = {
  Bucket: {
    Type: "AWS::S3::Bucket",
    DeletionPolicy: "Retain",
    UpdateReplacePolicy: "Retain",
    Properties: {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      // A broker killed mid-upload leaves parts its AbortMultipartUpload never sent.
      LifecycleConfiguration: {
        Rules: [
          {
            Id: "abort-incomplete-uploads",
            Status: "Enabled",
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
    },
  },
  DatabaseSecret: {
    Type: "AWS::SecretsManager::Secret",
    Properties: {
      Description: "Cirrus control-plane database user",
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"cirrus"}',
        GenerateStringKey: "password",
        PasswordLength: 40,
        // Letters and digits only: the password goes into DATABASE_URL unescaped.
        ExcludePunctuation: true,
      },
    },
  },
  SecretsKeySecret: {
    Type: "AWS::SecretsManager::Secret",
    Properties: {
      Description: "CIRRUS_SECRETS_KEY of the control plane (seals the secrets it stores)",
      // 43 base64 letters/digits decode to exactly the 32 bytes secret-keys.ts requires (~256 bits).
      GenerateSecretString: { PasswordLength: 43, ExcludePunctuation: true },
    },
  },
  DatabaseSubnetGroup: {
    Type: "AWS::RDS::DBSubnetGroup",
    Properties: {
      DBSubnetGroupDescription: "Cirrus control-plane database",
      SubnetIds: { Ref: "DatabaseSubnetIds" },
    },
  },
  Database: {
    Type: "AWS::RDS::DBInstance",
    DeletionPolicy: "Snapshot",
    UpdateReplacePolicy: "Snapshot",
    Properties: {
      Engine: "postgres",
      EngineVersion: { Ref: "DatabaseEngineVersion" },
      DBInstanceClass: { Ref: "DatabaseInstanceClass" },
      AllocatedStorage: { Ref: "DatabaseStorageGiB" },
      StorageType: "gp3",
      StorageEncrypted: true,
      MultiAZ: { Ref: "DatabaseMultiAz" },
      DBName: "cirrus",
      MasterUsername: { "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:username}}" },
      MasterUserPassword: { "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}" },
      DBSubnetGroupName: { Ref: "DatabaseSubnetGroup" },
      VPCSecurityGroups: [{ "Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"] }],
      PubliclyAccessible: false,
      BackupRetentionPeriod: 7,
      DeletionProtection: true,
    },
  },
} as const;
