export { BucketLister, type BucketRequestPlan, type ListOptions } from './bucket-lister.ts'
export { type ListPage, parseListPage, parseXml, urlDecode, type XmlElement } from './list-xml.ts'
export { createOssLister, type OssListerOptions } from './oss-lister.ts'
export { createS3Lister, type S3ListerOptions } from './s3-lister.ts'
