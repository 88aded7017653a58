import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Slab, type SlabHome, SlabStock } from '../src/wire/http1-connection.ts'

// The Node wire's read memory: a connection reuses the slabs it made instead of leaving them to
// the garbage collector, so memory stays flat however many gigabytes a connection carries.

/** A stand-in connection: a slab whose last view is released goes back to the stock. */
function connectionWith(stock: SlabStock): SlabHome {
  return { returnSlab: (slab) => stock.give(slab) }
}

/** Takes `count` slabs, lends one view of each, then releases them all. */
function lendAndRelease(stock: SlabStock, home: SlabHome, count: number): Slab[] {
  const slabs = Array.from({ length: count }, () => stock.take(home))
  for (const slab of slabs) slab.lent++
  for (const slab of slabs) slab.release()
  return slabs
}

describe('SlabStock', () => {
  it('keeps every slab it made: after six were out at once and came back, six more make none', () => {
    const stock = new SlabStock()
    const home = connectionWith(stock)
    const first = lendAndRelease(stock, home, 6)
    assert.equal(stock.made, 6)
    for (let round = 0; round < 10; round++) lendAndRelease(stock, home, 6)
    assert.equal(stock.made, 6, 'slabs made again after they were all given back')
    const again = Array.from({ length: 6 }, () => stock.take(home))
    assert.deepEqual(new Set(again), new Set(first), 'the same six slabs, reused')
  })

  it('makes a new slab only while every one it has is out', () => {
    const stock = new SlabStock()
    const home = connectionWith(stock)
    const a = stock.take(home)
    a.lent++
    const b = stock.take(home)
    assert.notEqual(a, b)
    assert.equal(stock.made, 2)
    a.release()
    assert.equal(stock.take(home), a, 'a released slab is handed out before a new one is made')
    assert.equal(stock.made, 2)
  })

  it('a slab handed out again reports back to the connection that took it last, not the one that made it', () => {
    const stock = new SlabStock()
    const returned: string[] = []
    const home = (name: string): SlabHome => ({
      returnSlab: (slab) => {
        returned.push(name)
        stock.give(slab)
      },
    })
    const slab = stock.take(home('first'))
    slab.lent++
    slab.release()
    assert.equal(stock.take(home('second')), slab)
    slab.lent++
    slab.release()
    // Reported to the first, the slab would go back to the stock while the second reads into it.
    assert.deepEqual(returned, ['first', 'second'])
  })
})
