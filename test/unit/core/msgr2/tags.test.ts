import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tag, tagName, isKnownTag, MAX_TAG } from '../../../../src/core/msgr2/tags.ts';

test('tags: values follow Ceph frames_v2.h Tag enum order, 1..22', () => {
  const names = Object.keys(Tag);
  assert.equal(names.length, 22);
  names.forEach((n, i) => assert.equal(Tag[n as keyof typeof Tag], i + 1, n));
  assert.equal(Tag.MESSAGE, 17);
  assert.equal(Tag.ACK, 20);
  assert.equal(MAX_TAG, 22);
});

test('tags: tagName for known and unknown values', () => {
  assert.equal(tagName(1), 'HELLO');
  assert.equal(tagName(17), 'MESSAGE');
  assert.equal(tagName(22), 'COMPRESSION_DONE');
  assert.equal(tagName(0), 'TAG_0');
  assert.equal(tagName(23), 'TAG_23');
  assert.equal(tagName(255), 'TAG_255');
  assert.equal(isKnownTag(0), false);
  assert.equal(isKnownTag(1), true);
  assert.equal(isKnownTag(22), true);
  assert.equal(isKnownTag(23), false);
});
