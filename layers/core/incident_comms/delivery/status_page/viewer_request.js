// CloudFront Function (viewer-request, cloudfront-js-2.0) in front of the status page bucket.
// An S3 REST origin has no index documents: "/en/" is fetched as "/en/index.html", and "/en" is redirected
// to "/en/" so the page's relative links resolve under its locale. Twin of serving.viewer_request (Python).
function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith("/")) {
        request.uri = uri + "index.html";
        return request;
    }
    if (uri.substring(uri.lastIndexOf("/") + 1).indexOf(".") === -1) {
        return {
            statusCode: 301,
            statusDescription: "Moved Permanently",
            headers: { location: { value: uri + "/" } },
        };
    }
    return request;
}
