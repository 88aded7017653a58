import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ObjectChangedError, TransportError } from '@resumable/core'
import { toFailure } from '../src/batch/object-steps.ts'

describe('a batch failure keeps what the store said', () => {
  it('an object-changed failure caused by a 412 carries its status, Code, RequestId and HostId', () => {
    const answer = new TransportError('precondition-failed', 'If-Match failed', {
      status: 412,
      code: 'PreconditionFailed',
      requestId: '5C3D9175B6FC201293AD4890',
      hostId: 'bucket.oss-cn-hangzhou.aliyuncs.com',
    })
    const failure = toFailure(
      { key: 'logs/a.txt' },
      'a.txt',
      new ObjectChangedError('the object changed during the download', { cause: answer }),
    )
    assert.equal(failure.kind, 'object-changed')
    assert.equal(failure.status, 412)
    assert.equal(failure.code, 'PreconditionFailed')
    assert.equal(failure.requestId, '5C3D9175B6FC201293AD4890')
    assert.equal(failure.hostId, 'bucket.oss-cn-hangzhou.aliyuncs.com')
  })

  it('an engine error with no store answer behind it has no store fields', () => {
    const failure = toFailure({ key: 'k' }, 'k', new ObjectChangedError('ETag "a" became "b"'))
    assert.equal(failure.kind, 'object-changed')
    assert.equal(failure.code, undefined)
    assert.equal(failure.status, undefined)
  })
})
