/** Someone to tell: a contact from the client's settings or the service record. */
export interface ContactRef {
  readonly name: string;
  readonly email: string;
  readonly phone?: string;
  readonly role?: string;
}

export type NotificationTopic = 'major-incident' | 'escalation' | 'security';

export interface Notification {
  readonly topic: NotificationTopic;
  readonly subject: string;
  readonly message: string;
  readonly recipients: readonly ContactRef[];
  /** Filterable attributes (priority, client, level). */
  readonly attributes: Readonly<Record<string, string>>;
}
