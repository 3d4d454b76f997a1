// Alert rules, detectors, forecasts and notifications (ARCHITECTURE.md). Not built yet: the schema
// (alert_rules, alert_incidents, notification_channels) exists in prisma/, the evaluator does not.
export {};
