/**
 * A least-privilege audit of every IAM policy statement in a synthesised template (identity policies: AWS::IAM::Policy,
 * AWS::IAM::ManagedPolicy, and inline and managed policies of AWS::IAM::Role). Each problem names the resource, the
 * statement index and its actions, so a failing test says exactly what to fix.
 */

type Json = unknown;
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
interface Statement {
  readonly Effect?: string;
  readonly Action?: Json;
  readonly Resource?: Json;
  readonly Condition?: Json;
}

/**
 * Actions for which AWS offers no resource-level permission, so `Resource: "*"` is the only form
 * (Service Authorization Reference: "Resource types" column empty).
 */
export const RESOURCELESS_ACTIONS: ReadonlySet<string> = new Set(['ecr:GetAuthorizationToken', 'ecs:DiscoverPollEndpoint']);

/** Object suffixes a statement may grant under the data bucket: the pipeline's prefixes, never the whole bucket. */
export const ALLOWED_OBJECT_SUFFIXES: ReadonlySet<string> = new Set(['/uploads/*', '/features/*', '/results/*', '/status/*']);

/**
 * Roles of CDK's own deploy-time custom resources that may use AWS managed policies (for their own logs), by
 * logical-id prefix, with the policy each may use.
 */
const CDK_CUSTOM_RESOURCE_MANAGED_POLICIES: ReadonlyArray<{ rolePrefix: string; policySuffix: string }> = [
  { rolePrefix: 'BucketNotificationsHandler', policySuffix: ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
];

function list(value: Json): Json[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Logical ids a CloudFormation value refers to (Ref, Fn::GetAtt, anywhere inside). */
function referencedIds(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, Json>;
  const ids: string[] = [];
  if (typeof object.Ref === 'string' && !object.Ref.startsWith('AWS::')) ids.push(object.Ref);
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') ids.push(getAtt[0]);
  for (const [key, inner] of Object.entries(object)) if (key !== 'Ref' && key !== 'Fn::GetAtt') ids.push(...referencedIds(inner));
  return ids;
}

/** The literal string parts of a value (the pieces of an Fn::Join, a plain string). */
function literals(value: Json): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(literals);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, Json>)
    .filter(([key]) => key !== 'Ref' && key !== 'Fn::GetAtt')
    .flatMap(([, inner]) => literals(inner));
}

function describeStatement(where: string, index: number, statement: Statement): string {
  return `${where} statement ${index} (${list(statement.Action).join(', ')})`;
}

function auditStatement(
  where: string,
  index: number,
  statement: Statement,
  resources: Readonly<Record<string, Resource>>,
  options: AuditOptions,
): string[] {
  if (statement.Effect !== 'Allow') return [];
  const problems: string[] = [];
  const name = describeStatement(where, index, statement);
  const actions = list(statement.Action);
  for (const action of actions) {
    if (typeof action !== 'string') problems.push(`${name}: action ${JSON.stringify(action)} is not a string`);
    else if (action.includes('*')) problems.push(`${name}: wildcard action ${action}`);
  }
  for (const resource of list(statement.Resource)) {
    if (resource === '*') {
      const scoped = actions.every((a) => typeof a === 'string' && RESOURCELESS_ACTIONS.has(a));
      if (!scoped) problems.push(`${name}: Resource "*" for actions that support resource-level permissions`);
      continue;
    }
    const ids = referencedIds(resource);
    const text = literals(resource).join('');
    const external = options.allowedExternalResources.some((pattern) => pattern.test(text));
    if (ids.length === 0 && !external) {
      problems.push(`${name}: resource ${JSON.stringify(resource)} refers to nothing in this stack`);
      continue;
    }
    for (const id of ids) {
      if (resources[id] === undefined) problems.push(`${name}: resource refers to ${id}, which is not in this stack`);
    }
    const bucketObjects = ids.some((id) => resources[id]?.Type === 'AWS::S3::Bucket') && text.startsWith('/');
    if (bucketObjects && !ALLOWED_OBJECT_SUFFIXES.has(text)) {
      problems.push(`${name}: objects ${text} are not one of the pipeline's prefixes`);
    }
    if (text.includes('*') && !bucketObjects && !external && !/^:?[^*]*\/\*$/.test(text)) {
      problems.push(`${name}: wildcard resource ${JSON.stringify(resource)}`);
    }
  }
  return problems;
}

export interface AuditOptions {
  /**
   * Resources outside this stack a statement may name (matched against the ARN's literal text): CDK's bootstrap image
   * repository, the SES identity of the configured sender.
   */
  readonly allowedExternalResources: readonly RegExp[];
}

/** Returns every least-privilege problem in the template's IAM policies; empty when there is none. */
export function auditIam(
  template: { Resources: Readonly<Record<string, Resource>> },
  options: AuditOptions = { allowedExternalResources: [] },
): string[] {
  const problems: string[] = [];
  const resources = template.Resources;
  for (const [id, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    const documents: Array<{ where: string; document: Json }> = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      documents.push({ where: id, document: properties.PolicyDocument });
    }
    if (resource.Type === 'AWS::IAM::Role') {
      for (const [i, policy] of list(properties.Policies).entries()) {
        documents.push({ where: `${id} inline policy ${i}`, document: (policy as { PolicyDocument?: Json }).PolicyDocument });
      }
      for (const arn of list(properties.ManagedPolicyArns)) {
        const text = literals(arn).join('');
        const allowed = CDK_CUSTOM_RESOURCE_MANAGED_POLICIES.some(
          (a) => id.startsWith(a.rolePrefix) && text.endsWith(a.policySuffix),
        );
        if (text.includes(':iam::aws:policy/') && !allowed) problems.push(`${id}: AWS managed policy ${text}`);
      }
    }
    for (const { where, document } of documents) {
      const statements = list((document as { Statement?: Json } | undefined)?.Statement) as Statement[];
      statements.forEach((statement, index) => problems.push(...auditStatement(where, index, statement, resources, options)));
    }
  }
  return problems;
}
