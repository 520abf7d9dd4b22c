/**
 * A small, hand-written stand-in for the Prometheus Operator `PrometheusRule` CRD
 * (`prometheusrules.monitoring.coreos.com`, `v1`) for the test control plane: a structural schema of
 * the part this project renders (groups of alerting rules), so a misspelled field fails a
 * server-side apply instead of being pruned. NOT the upstream CRD.
 */
const str = { type: 'string' };

/** The CRD object, for `installCrds`. */
export const PROMETHEUS_RULE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'prometheusrules.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: {
      plural: 'prometheusrules',
      singular: 'prometheusrule',
      kind: 'PrometheusRule',
      listKind: 'PrometheusRuleList',
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: str,
              kind: str,
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                properties: {
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['name', 'rules'],
                      properties: {
                        name: str,
                        interval: str,
                        rules: {
                          type: 'array',
                          items: {
                            type: 'object',
                            required: ['expr'],
                            properties: {
                              alert: str,
                              record: str,
                              expr: str,
                              for: {
                                type: 'string',
                                pattern:
                                  '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
                              },
                              labels: { type: 'object', additionalProperties: str },
                              annotations: { type: 'object', additionalProperties: str },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};
