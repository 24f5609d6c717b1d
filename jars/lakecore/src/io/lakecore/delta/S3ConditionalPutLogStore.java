package io.lakecore.delta;

import com.amazonaws.AmazonServiceException;
import com.amazonaws.SdkClientException;
import com.amazonaws.auth.AWSCredentialsProvider;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.auth.DefaultAWSCredentialsProviderChain;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.ObjectMetadata;
import com.amazonaws.services.s3.model.PutObjectRequest;
import io.delta.storage.HadoopFileSystemLogStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A Delta log store for S3 that is safe with several writers, in several JVMs, on one table.
 *
 * <p>Delta commits version N by creating {@code _delta_log/N.json} only if no one else has: the
 * store must refuse a second creation with {@link FileAlreadyExistsException}, and Delta then
 * reads the winner's commit, checks for a conflict and retries at N+1. S3 has done that itself
 * since 2024: a PUT with {@code If-None-Match: *} fails with 412 when the key exists. So each
 * commit is one conditional PUT; no lock table, no rename. Reads and listings are Hadoop's (S3
 * is strongly consistent).
 *
 * <p>The S3 client is built from the Hadoop settings S3A uses ({@code fs.s3a.endpoint}, {@code
 * fs.s3a.path.style.access}, {@code fs.s3a.endpoint.region}, {@code fs.s3a.access.key} and
 * {@code fs.s3a.secret.key}), else AWS's default region and credentials chain, so the store works
 * for s3:// and s3a:// paths alike.
 */
public class S3ConditionalPutLogStore extends HadoopFileSystemLogStore {

  private static final Map<String, AmazonS3> CLIENTS = new ConcurrentHashMap<>();

  public S3ConditionalPutLogStore(Configuration hadoopConf) {
    super(hadoopConf);
  }

  @Override
  public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration conf)
      throws IOException {
    URI uri = path.toUri();
    String bucket = uri.getHost();
    String key = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
    if (bucket == null || key.isEmpty()) {
      throw new IOException("not an S3 object path: " + path);
    }
    byte[] body = lines(actions);
    ObjectMetadata metadata = new ObjectMetadata();
    metadata.setContentLength(body.length);
    metadata.setContentType("application/json");
    PutObjectRequest put =
        new PutObjectRequest(bucket, key, new ByteArrayInputStream(body), metadata);
    if (!overwrite) {
      put.putCustomRequestHeader("If-None-Match", "*");
    }
    try {
      client(conf).putObject(put);
    } catch (AmazonServiceException e) {
      // 412: the key exists. 409: another conditional PUT of the key is in flight; one wins.
      if (!overwrite && (e.getStatusCode() == 412 || e.getStatusCode() == 409)) {
        throw new FileAlreadyExistsException(path.toString());
      }
      throw new IOException("writing " + path + ": " + e.getErrorMessage(), e);
    } catch (SdkClientException e) {
      throw new IOException("writing " + path + ": " + e.getMessage(), e);
    }
  }

  /** One PUT makes the object visible whole or not at all. */
  @Override
  public Boolean isPartialWriteVisible(Path path, Configuration conf) {
    return false;
  }

  private static byte[] lines(Iterator<String> actions) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (actions.hasNext()) {
      out.write((actions.next() + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static AmazonS3 client(Configuration conf) {
    String endpoint = conf.getTrimmed("fs.s3a.endpoint", "");
    String region = conf.getTrimmed("fs.s3a.endpoint.region", "");
    String accessKey = conf.getTrimmed("fs.s3a.access.key", "");
    boolean pathStyle = conf.getBoolean("fs.s3a.path.style.access", false);
    String cacheKey = String.join("|", endpoint, region, accessKey, Boolean.toString(pathStyle));
    return CLIENTS.computeIfAbsent(cacheKey, k -> build(conf, endpoint, region, accessKey, pathStyle));
  }

  private static AmazonS3 build(
      Configuration conf, String endpoint, String region, String accessKey, boolean pathStyle) {
    AWSCredentialsProvider credentials =
        accessKey.isEmpty()
            ? DefaultAWSCredentialsProviderChain.getInstance()
            : new AWSStaticCredentialsProvider(
                new BasicAWSCredentials(accessKey, conf.getTrimmed("fs.s3a.secret.key", "")));
    AmazonS3ClientBuilder builder =
        AmazonS3ClientBuilder.standard()
            .withCredentials(credentials)
            .withPathStyleAccessEnabled(pathStyle);
    if (!endpoint.isEmpty()) {
      String url = endpoint.contains("://") ? endpoint : "https://" + endpoint;
      builder.withEndpointConfiguration(
          new AwsClientBuilder.EndpointConfiguration(url, region.isEmpty() ? null : region));
    } else if (!region.isEmpty()) {
      builder.withRegion(region);
    }
    return builder.build();
  }
}
