import { LifecycleError } from '../../src/kernel/domain/domain-errors';
import { changeArticle, newKnowledgeArticle, resolutionDraft } from '../../src/modules/problems/domain/problem';

const actor = { id: 'a-1', name: 'alice.agent' };
const at = '2026-11-01T09:00:00.000Z';
const later = '2026-11-02T09:00:00.000Z';

describe('article lifecycle', () => {
  const draft = newKnowledgeArticle('ka-1', { title: 'Reset the badge reader', body: '…', tags: ['Badge', 'badge'] }, actor, at);

  test('a new article is a draft with no views, tags folded; published ones carry publishedAt', () => {
    expect(draft).toMatchObject({ state: 'draft', views: 0, tags: ['badge'], version: 1 });
    expect(draft.publishedAt).toBeUndefined();
    expect(newKnowledgeArticle('ka-2', { title: 't', body: 'b', state: 'published' }, actor, at).publishedAt).toBe(at);
  });

  test('draft → published → archived → published; each move a new version; publishing stamps publishedAt; views are kept', () => {
    const published = changeArticle({ ...draft, views: 4 }, { state: 'published' }, actor, later);
    expect(published).toMatchObject({ state: 'published', publishedAt: later, version: 2, views: 4, updatedAt: later });
    const archived = changeArticle(published, { state: 'archived' }, actor, later);
    expect(archived).toMatchObject({ state: 'archived', publishedAt: later, version: 3 });
    expect(changeArticle(archived, { state: 'published' }, actor, '2026-12-01T00:00:00.000Z').publishedAt).toBe('2026-12-01T00:00:00.000Z');
    expect(changeArticle(draft, { state: 'archived' }, actor, later).state).toBe('archived');
  });

  test('published → draft and archived → draft are refused, naming state', () => {
    const published = changeArticle(draft, { state: 'published' }, actor, later);
    expect(() => changeArticle(published, { state: 'draft' }, actor, later)).toThrow(LifecycleError);
    const archived = changeArticle(published, { state: 'archived' }, actor, later);
    expect(() => changeArticle(archived, { state: 'draft' }, actor, later)).toThrow(/archived article cannot become draft/);
  });

  test('an edit changes the fields sent, keeps the state, and ignores absent ones', () => {
    const edited = changeArticle(draft, { title: 'Reset badge readers', tags: ['Door'], body: undefined }, actor, later);
    expect(edited).toMatchObject({ title: 'Reset badge readers', body: '…', tags: ['door'], state: 'draft', version: 2 });
  });
});

describe('resolutionDraft', () => {
  const incident = { id: 'i-1', number: 'INC0000042', shortDescription: 'Printer queue stuck', service: 'printing', category: 'Hardware & Devices', resolutionCode: 'Solved (workaround)', resolutionNotes: '  Restarted the spooler  ' };

  test('title from the short description, notes in the body, service and category as tags, the incident as source', () => {
    expect(resolutionDraft('ka-9', incident, actor, at)).toMatchObject({
      id: 'ka-9',
      title: 'Printer queue stuck',
      state: 'draft',
      service: 'printing',
      category: 'Hardware & Devices',
      tags: ['printing', 'hardware-devices'],
      source: { incident: 'i-1', number: 'INC0000042' },
      views: 0,
    });
    expect(resolutionDraft('ka-9', incident, actor, at)!.body).toBe('Resolution of INC0000042 (Solved (workaround)):\n\nRestarted the spooler');
  });

  test('no notes, no draft', () => {
    expect(resolutionDraft('ka-9', { ...incident, resolutionNotes: '   ' }, actor, at)).toBeUndefined();
    expect(resolutionDraft('ka-9', { ...incident, resolutionNotes: undefined }, actor, at)).toBeUndefined();
  });
});
